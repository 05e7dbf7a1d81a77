package io.fedsllm.data;

import java.util.Map;

/**
 * The one place where an E2E example becomes model text: {@code MR || ref}. The trainer trains on
 * {@link #trainingText}, prompts with {@link #prompt} and takes everything the model writes after the prompt as
 * its realisation; the {@code mr || ref} line file format uses the same separator.
 */
public final class E2eText {
    /** Separates the MR from the reference, in training text and in line files. */
    public static final String SEPARATOR = " || ";

    private E2eText() {}

    /** The text a model is trained on: MR, separator, reference. */
    public static String trainingText(E2eRecord record) {
        return prompt(record.slots()) + record.ref();
    }

    /** What the model is given to realise an MR: the MR and the separator. */
    public static String prompt(Map<String, String> slots) {
        return E2eRecord.mr(slots) + SEPARATOR;
    }
}
