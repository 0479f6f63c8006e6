import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { AppError } from '@/lib/errors';
import { route } from '@/lib/http/route';
import { getModel } from '@/lib/model/repo';
import { ModelIdParamsSchema } from '@/lib/model/schemas';

/** The model's ONNX file as registered; `x-chorus-sha256` carries the registered checksum. */
export const GET = route<{ id: string }>(access('/api/models/[id]/onnx', 'GET'), async ({ params }) => {
  const { id } = ModelIdParamsSchema.parse(params);
  const model = await getModel(await getDb(), id);
  if (!model.onnx) throw new AppError('NOT_FOUND', `Model ${id} has no ONNX file (status ${model.status})`);
  return new Response(Buffer.from(model.onnx), {
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="chorus-model-${id}-${model.kind}.onnx"`,
      'x-chorus-sha256': model.onnxSha256 ?? '',
    },
  });
});
