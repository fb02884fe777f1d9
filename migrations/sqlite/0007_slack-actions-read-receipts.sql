CREATE TABLE `read_receipts` (
	`outbox_id` integer NOT NULL,
	`member_id` text NOT NULL,
	`read_at` integer NOT NULL,
	PRIMARY KEY(`outbox_id`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `read_receipts_member` ON `read_receipts` (`member_id`);--> statement-breakpoint
ALTER TABLE `outbound_messages` ADD `actions` text;