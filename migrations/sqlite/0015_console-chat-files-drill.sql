CREATE TABLE `console_files` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`data` blob NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_console_messages` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`outbox_id` integer,
	`inbound_id` integer,
	`sender_id` text,
	`conversation_id` text NOT NULL,
	`text` text NOT NULL,
	`markdown` text,
	`mentions` text,
	`actions` text,
	`attachments` text,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_console_messages`("seq", "outbox_id", "conversation_id", "text", "markdown", "mentions", "sent_at") SELECT "seq", "outbox_id", "conversation_id", "text", "markdown", "mentions", "sent_at" FROM `console_messages`;--> statement-breakpoint
DROP TABLE `console_messages`;--> statement-breakpoint
ALTER TABLE `__new_console_messages` RENAME TO `console_messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `console_messages_outbox_id_unique` ON `console_messages` (`outbox_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `console_messages_inbound_id_unique` ON `console_messages` (`inbound_id`);--> statement-breakpoint
CREATE INDEX `console_conversation` ON `console_messages` (`conversation_id`,`seq`);--> statement-breakpoint
ALTER TABLE `directives` ADD `drill` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `leads` ADD `drill` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tasks` ADD `drill` integer DEFAULT false NOT NULL;