ALTER TABLE `outbound_messages` ADD `notify_on_fail` text;--> statement-breakpoint
ALTER TABLE `outbound_messages` ADD `failure_reported` integer DEFAULT false NOT NULL;