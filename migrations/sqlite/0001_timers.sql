CREATE TABLE `timers` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`data` text NOT NULL,
	`due_at` integer NOT NULL,
	`urgent` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`fired_at` integer,
	`late` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `timers_status_due` ON `timers` (`status`,`due_at`);