CREATE TABLE `lead_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lead_id` integer NOT NULL,
	`action` text NOT NULL,
	`actor_id` text NOT NULL,
	`note` text,
	`at` integer NOT NULL,
	`inbound_id` integer
);
--> statement-breakpoint
CREATE INDEX `lead_events_lead` ON `lead_events` (`lead_id`);--> statement-breakpoint
CREATE TABLE `leads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`day` integer NOT NULL,
	`number` integer NOT NULL,
	`text` text NOT NULL,
	`dedup_text` text NOT NULL,
	`category` text,
	`location` text,
	`people` text,
	`people_count` integer,
	`urgency_text` text,
	`urgency` text,
	`urgent` integer DEFAULT false NOT NULL,
	`not_understood` text NOT NULL,
	`attachments` text NOT NULL,
	`reporter_id` text NOT NULL,
	`reported_in` text NOT NULL,
	`unit_id` text NOT NULL,
	`township_id` text NOT NULL,
	`reported_at` integer NOT NULL,
	`state` text DEFAULT 'reported' NOT NULL,
	`accepted_at` integer,
	`accepted_by` text,
	`verifying_at` integer,
	`handling_at` integer,
	`closed_at` integer,
	`closed_by` text,
	`result` text,
	`escalated_at` integer,
	`escalated_by` text,
	`escalate_reason` text,
	`sla_breached_at` integer,
	`source_inbound_id` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `leads_number` ON `leads` (`day`,`number`);--> statement-breakpoint
CREATE INDEX `leads_reporter` ON `leads` (`reporter_id`,`reported_at`);--> statement-breakpoint
CREATE INDEX `leads_township` ON `leads` (`township_id`,`state`);--> statement-breakpoint
CREATE INDEX `leads_unit` ON `leads` (`unit_id`);