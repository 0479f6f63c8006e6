CREATE TABLE "clip_labeling_signals" (
	"clip_id" uuid PRIMARY KEY NOT NULL,
	"drift" real DEFAULT 0 NOT NULL,
	"feedback" real DEFAULT 0 NOT NULL,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "clip_labeling_signals" ADD CONSTRAINT "clip_labeling_signals_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;