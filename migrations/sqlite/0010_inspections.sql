CREATE TABLE `inspections` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`year` integer NOT NULL,
	`number` integer NOT NULL,
	`unit_id` text NOT NULL,
	`unit_kind` text NOT NULL,
	`unit_name` text NOT NULL,
	`township_id` text NOT NULL,
	`directive_id` integer,
	`text` text NOT NULL,
	`people` integer,
	`attachments` text NOT NULL,
	`inspector_id` text NOT NULL,
	`recorded_in` text NOT NULL,
	`recorded_at` integer NOT NULL,
	`source_inbound_id` integer,
	`state` text DEFAULT 'open' NOT NULL,
	`rectified_at` integer,
	`rectified_by` text,
	`rectify_note` text,
	`rectify_attachments` text NOT NULL,
	`rectify_inbound_id` integer,
	`closed_at` integer,
	`closed_by` text,
	`close_note` text,
	`published_at` integer,
	`published_by` text,
	`notice_id` integer,
	`overdue_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inspections_number` ON `inspections` (`year`,`number`);--> statement-breakpoint
CREATE INDEX `inspections_township` ON `inspections` (`township_id`,`state`);--> statement-breakpoint
CREATE INDEX `inspections_directive` ON `inspections` (`directive_id`);--> statement-breakpoint
CREATE INDEX `inspections_recorded` ON `inspections` (`recorded_at`);