CREATE TABLE "qualification_rounds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"source" text DEFAULT 'round' NOT NULL,
	"clip_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"tag_checks_right" integer,
	"tag_checks_total" integer,
	"threshold" real,
	"passed" boolean,
	"retry_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tag_guidelines" (
	"tag_key" text PRIMARY KEY NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"example_clip_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "qualification_rounds" ADD CONSTRAINT "qualification_rounds_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_guidelines" ADD CONSTRAINT "tag_guidelines_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "qualification_rounds_user_idx" ON "qualification_rounds" USING btree ("user_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "qualification_rounds_open_key" ON "qualification_rounds" USING btree ("user_id") WHERE "qualification_rounds"."finished_at" is null;--> statement-breakpoint
-- Contributors who were already answering when qualification arrived keep working: their answers
-- counted under the rules of their time. Only accounts with no answer yet take the round.
INSERT INTO "qualification_rounds" ("user_id", "source", "finished_at", "passed")
SELECT u."id", 'granted', now(), true FROM "users" u
WHERE EXISTS (SELECT 1 FROM "votes" v WHERE v."user_id" = u."id" AND v."external_worker" IS NULL);
