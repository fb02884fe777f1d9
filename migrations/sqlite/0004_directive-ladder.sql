CREATE TABLE `directive_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`directive_id` integer NOT NULL,
	`revision` integer NOT NULL,
	`kind` text NOT NULL,
	`at` integer NOT NULL,
	`actor_id` text,
	`text` text,
	`count` integer,
	`inbound_id` integer
);
--> statement-breakpoint
CREATE INDEX `directive_events_directive` ON `directive_events` (`directive_id`,`id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_acknowledgements` (
	`directive_id` integer NOT NULL,
	`unit_id` text NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	`member_id` text NOT NULL,
	`words` text NOT NULL,
	`at` integer NOT NULL,
	`late` integer DEFAULT false NOT NULL,
	`inbound_id` integer,
	PRIMARY KEY(`directive_id`, `unit_id`, `revision`)
);
--> statement-breakpoint
INSERT INTO `__new_acknowledgements`("directive_id", "unit_id", "revision", "member_id", "words", "at", "late", "inbound_id") SELECT "directive_id", "unit_id", 1, "member_id", "words", "at", "late", "inbound_id" FROM `acknowledgements`;--> statement-breakpoint
DROP TABLE `acknowledgements`;--> statement-breakpoint
ALTER TABLE `__new_acknowledgements` RENAME TO `acknowledgements`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `directives` ADD `revision` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `directives` ADD `ack_window_ms` integer;--> statement-breakpoint
ALTER TABLE `directives` ADD `urgent` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `directives` ADD `scope` text;--> statement-breakpoint
ALTER TABLE `directives` ADD `revoked_at` integer;--> statement-breakpoint
ALTER TABLE `directives` ADD `revised_at` integer;