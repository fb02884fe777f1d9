CREATE TABLE `groups` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`unit_id` text NOT NULL,
	`title` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `groups_unit_id_unique` ON `groups` (`unit_id`);--> statement-breakpoint
CREATE TABLE `members` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`unit_id` text NOT NULL,
	`mobile` text
);
--> statement-breakpoint
CREATE INDEX `members_unit` ON `members` (`unit_id`);--> statement-breakpoint
CREATE TABLE `unit_status_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`unit_id` text NOT NULL,
	`field` text NOT NULL,
	`value` text,
	`changed_at` integer NOT NULL,
	`source` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `unit_status_history_unit` ON `unit_status_history` (`unit_id`);--> statement-breakpoint
CREATE TABLE `units` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`parent_id` text,
	`control_level` integer,
	`risk_colour` text,
	`township_id` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `units_parent` ON `units` (`parent_id`);--> statement-breakpoint
CREATE INDEX `units_township` ON `units` (`township_id`);--> statement-breakpoint
CREATE INDEX `units_kind` ON `units` (`kind`);--> statement-breakpoint
CREATE TABLE `console_messages` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`outbox_id` integer NOT NULL,
	`conversation_id` text NOT NULL,
	`text` text NOT NULL,
	`markdown` text,
	`mentions` text,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `console_messages_outbox_id_unique` ON `console_messages` (`outbox_id`);--> statement-breakpoint
CREATE INDEX `console_conversation` ON `console_messages` (`conversation_id`,`seq`);--> statement-breakpoint
CREATE TABLE `inbound_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`platform_msg_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`sender_id` text NOT NULL,
	`text` text NOT NULL,
	`extra` text,
	`received_at` integer NOT NULL,
	`status` text DEFAULT 'received' NOT NULL,
	`processed_at` integer,
	`error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbound_platform_msg` ON `inbound_messages` (`platform`,`platform_msg_id`);--> statement-breakpoint
CREATE INDEX `inbound_status` ON `inbound_messages` (`status`);--> statement-breakpoint
CREATE TABLE `outbound_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`conversation_id` text NOT NULL,
	`text` text NOT NULL,
	`markdown` text,
	`mentions` text,
	`dedup_key` text,
	`reply_to_inbound_id` integer,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`platform_ref` text,
	`error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbound_messages_dedup_key_unique` ON `outbound_messages` (`dedup_key`);--> statement-breakpoint
CREATE INDEX `outbound_status` ON `outbound_messages` (`status`);--> statement-breakpoint
CREATE INDEX `outbound_conversation` ON `outbound_messages` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `acknowledgements` (
	`directive_id` integer NOT NULL,
	`unit_id` text NOT NULL,
	`member_id` text NOT NULL,
	`words` text NOT NULL,
	`at` integer NOT NULL,
	`late` integer DEFAULT false NOT NULL,
	`inbound_id` integer,
	PRIMARY KEY(`directive_id`, `unit_id`)
);
--> statement-breakpoint
CREATE TABLE `counters` (
	`kind` text NOT NULL,
	`year` integer NOT NULL,
	`last` integer NOT NULL,
	PRIMARY KEY(`kind`, `year`)
);
--> statement-breakpoint
CREATE TABLE `directive_targets` (
	`directive_id` integer NOT NULL,
	`unit_id` text NOT NULL,
	`unit_kind` text NOT NULL,
	`unit_name` text NOT NULL,
	`township_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	PRIMARY KEY(`directive_id`, `unit_id`)
);
--> statement-breakpoint
CREATE INDEX `directive_targets_conv` ON `directive_targets` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `directives` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`year` integer NOT NULL,
	`number` integer NOT NULL,
	`text` text NOT NULL,
	`issuer_id` text NOT NULL,
	`issued_in` text NOT NULL,
	`issued_at` integer NOT NULL,
	`ack_deadline` integer,
	`ack_required` integer DEFAULT true NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`source_inbound_id` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `directives_number` ON `directives` (`kind`,`year`,`number`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor_id` text NOT NULL,
	`action` text NOT NULL,
	`subject` text NOT NULL,
	`detail` text,
	`inbound_id` integer
);
--> statement-breakpoint
CREATE INDEX `audit_subject` ON `audit_log` (`subject`);