package io.fedsllm.train;

/** One fine-tuning example: what the model is given and what it should write after it. */
public record PromptCompletion(String prompt, String completion) {}
