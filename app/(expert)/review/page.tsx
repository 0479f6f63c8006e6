import { Reviewer } from '@/components/reviewer';

export default function ReviewPage() {
  return <Reviewer />;
}
