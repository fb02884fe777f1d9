CREATE TABLE `instance` (
	`id` integer PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "instance_one_row" CHECK("instance"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE `outbound_messages` ADD `sending_at` integer;