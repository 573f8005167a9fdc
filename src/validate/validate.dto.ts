import { z } from 'zod';

/** `POST /api/validate/`: any component (team, agent, model, tool, termination, …). */
export const validateBodySchema = z.looseObject({ component: z.unknown().refine((v) => v !== undefined, 'Required') });
export type ValidateBody = z.infer<typeof validateBodySchema>;

/** `POST /api/validate/test`: a component and the seconds a test run may take. */
export const testBodySchema = z.looseObject({
  component: z.unknown().refine((v) => v !== undefined, 'Required'),
  timeout: z.number().positive().max(300).default(60),
});
export type TestBody = z.infer<typeof testBodySchema>;

const issueSchema = z.object({ field: z.string(), error: z.string(), suggestion: z.string().optional() });
export const validationResultSchema = z.object({ is_valid: z.boolean(), errors: z.array(issueSchema), warnings: z.array(issueSchema) });

export const testResultSchema = z.object({
  status: z.boolean(),
  message: z.string(),
  data: z.unknown().optional(),
  logs: z.array(z.string()),
});
export type TestResult = z.infer<typeof testResultSchema>;
