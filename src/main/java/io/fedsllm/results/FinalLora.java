package io.fedsllm.results;

/**
 * Real mode: the LoRA a run ends with, after its last round — the federated server's global client-side copy
 * (blocks [0, ℓ); federated LoRA: every block) and the main server's LoRA (blocks [ℓ, L); centralized: every block),
 * each as {@code train.LoraBlocks} safetensors bytes. Together they are the model the last validation loss was
 * measured on. Arrays are owned by the record (do not mutate).
 *
 * @param round the last round
 */
public record FinalLora(int round, byte[] clientGlobal, byte[] server) {}
