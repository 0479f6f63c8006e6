import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const GET = route(access('/api/me', 'GET'), async ({ user }) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
}));
