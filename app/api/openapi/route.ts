import { access } from '@/lib/http/access';
import { openApiDocument } from '@/lib/http/openapi';
import { route } from '@/lib/http/route';

export const GET = route(access('/api/openapi', 'GET'), async () => openApiDocument());
