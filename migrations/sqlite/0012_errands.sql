CREATE TABLE `errands` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`day` integer NOT NULL,
	`number` integer NOT NULL,
	`list_day` integer NOT NULL,
	`grid_id` text NOT NULL,
	`township_id` text NOT NULL,
	`ordered_by` text NOT NULL,
	`ordered_in` text NOT NULL,
	`ordered_at` integer NOT NULL,
	`source_inbound_id` integer,
	`items` text NOT NULL,
	`address` text,
	`phone` text,
	`state` text DEFAULT 'open' NOT NULL,
	`listed_day` integer,
	`listed_at` integer,
	`bought_at` integer,
	`bought_by` text,
	`delivered_at` integer,
	`delivered_by` text,
	`delivery_inbound_id` integer,
	`delivery_attachments` text NOT NULL,
	`overdue_at` integer,
	`hours_to_deliver` real
);
--> statement-breakpoint
CREATE UNIQUE INDEX `errands_number` ON `errands` (`day`,`number`);--> statement-breakpoint
CREATE INDEX `errands_township` ON `errands` (`township_id`,`state`);--> statement-breakpoint
CREATE INDEX `errands_list_day` ON `errands` (`list_day`);--> statement-breakpoint
CREATE INDEX `errands_ordered` ON `errands` (`ordered_at`);