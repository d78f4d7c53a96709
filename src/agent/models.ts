import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { OfflineModel } from './offline-model.ts';

/**
 * The model the demo agents use: a real OpenAI-compatible provider when `OPENAI_API_KEY` or
 * `HEED_MODEL` is set (`OPENAI_BASE_URL` points it at any compatible server, e.g. Ollama), the
 * offline deterministic model otherwise. `label` says which.
 */
export function modelFromEnvironment(env: NodeJS.ProcessEnv = process.env): { model: LanguageModel; label: string } {
  if (!env.OPENAI_API_KEY && !env.HEED_MODEL) {
    return {
      model: new OfflineModel(),
      label: 'offline deterministic model (set OPENAI_API_KEY or HEED_MODEL for a real one)',
    };
  }
  const baseURL = env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1';
  const modelId = env.HEED_MODEL ?? 'gpt-4o-mini';
  const provider = createOpenAICompatible({
    name: 'openai',
    baseURL,
    ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}),
  });
  return { model: provider.chatModel(modelId), label: `${modelId} at ${baseURL}` };
}
