CREATE TABLE "console_files" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"data" "bytea" NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "console_messages" ALTER COLUMN "outbox_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "console_messages" ADD COLUMN "inbound_id" integer;--> statement-breakpoint
ALTER TABLE "console_messages" ADD COLUMN "sender_id" text;--> statement-breakpoint
ALTER TABLE "console_messages" ADD COLUMN "actions" jsonb;--> statement-breakpoint
ALTER TABLE "console_messages" ADD COLUMN "attachments" jsonb;--> statement-breakpoint
ALTER TABLE "directives" ADD COLUMN "drill" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "drill" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "drill" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "console_messages" ADD CONSTRAINT "console_messages_inbound_id_unique" UNIQUE("inbound_id");