ALTER TABLE "models" ADD COLUMN "trigger" text DEFAULT 'manual' NOT NULL;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "previous_model_id" integer;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "embedding_versions_one_active_key" ON "embedding_versions" USING btree ("status") WHERE "embedding_versions"."status" = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "models_one_active_key" ON "models" USING btree ("status") WHERE "models"."status" = 'active';--> statement-breakpoint
CREATE INDEX "predictions_model_idx" ON "predictions" USING btree ("model_id");