ALTER TABLE "expert_decisions" ADD COLUMN "second_opinion_wanted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "expert_decisions" ADD COLUMN "idempotency_key" text NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "expert_decisions_idempotency_key" ON "expert_decisions" USING btree ("user_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "expert_decisions_second_opinion_idx" ON "expert_decisions" USING btree ("clip_id") WHERE "expert_decisions"."second_opinion_wanted";--> statement-breakpoint
CREATE UNIQUE INDEX "leases_one_active_key" ON "leases" USING btree ("clip_id","user_id") WHERE "leases"."state" = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "leases_one_expert_key" ON "leases" USING btree ("clip_id") WHERE "leases"."state" = 'active' and "leases"."queue" = 'expert';