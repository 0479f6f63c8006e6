ALTER TABLE "dataset_snapshots" ADD COLUMN "include_features" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "dataset_snapshots" ADD COLUMN "include_embeddings" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "dataset_snapshots" ADD COLUMN "job_id" text;--> statement-breakpoint
ALTER TABLE "dataset_snapshots" ADD COLUMN "finished_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "dataset_snapshots_name_version_key" ON "dataset_snapshots" USING btree ("name","version");--> statement-breakpoint
CREATE UNIQUE INDEX "dataset_snapshots_one_build_key" ON "dataset_snapshots" USING btree ("name") WHERE "dataset_snapshots"."status" = 'building';--> statement-breakpoint
CREATE INDEX "dataset_snapshots_created_idx" ON "dataset_snapshots" USING btree ("created_at");