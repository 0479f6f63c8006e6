import { Labeler } from '@/components/labeler';

export default function LabelPage() {
  return <Labeler />;
}
