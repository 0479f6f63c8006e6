import NextAuth from 'next-auth';
import { authOptions } from '@/lib/auth/options';
import { AppError } from '@/lib/http/errors';
import { errorResponse } from '@/lib/http/route';

type Ctx = { params: Promise<{ nextauth: string[] }> };

/** next-auth's own routes (sign-in, callback, session, csrf); options are built per request from the validated env. */
async function handle(req: Request, ctx: Ctx): Promise<Response> {
  try {
    return (await (NextAuth(authOptions()) as unknown as (r: Request, c: Ctx) => Promise<Response>)(req, ctx));
  } catch (err) {
    if (err instanceof AppError) return errorResponse(err, crypto.randomUUID());
    throw err;
  }
}

export { handle as GET, handle as POST };
