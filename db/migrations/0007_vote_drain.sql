-- Votes already in the table were aggregated inside their request: the default gives them now(), not null (pending).
ALTER TABLE "votes" ADD COLUMN "aggregated_at" timestamp with time zone DEFAULT now();--> statement-breakpoint
CREATE INDEX "votes_pending_idx" ON "votes" USING btree ("created_at","id") WHERE "votes"."aggregated_at" is null;