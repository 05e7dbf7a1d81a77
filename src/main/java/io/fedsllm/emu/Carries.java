package io.fedsllm.emu;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a record component of a protocol message carries: the role-separation checks read it by reflection over
 * the components of every message each party received ({@link MessageAudit#contentsReceived}). Every array
 * component of a protocol message (tensor bytes, labels) declares it (a test enforces this).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Carries {
    Content value();

    /** The kinds of data the role separation is about (SYSTEM_MODEL §1). */
    enum Content {
        /** Split-layer activations of a client's mini-batch. */
        ACTIVATIONS,
        /** Gradients with respect to a client's activations. */
        GRADIENTS,
        /** A client's next-token labels. */
        LABELS,
        /** One client's own LoRA (its upload to the federated server). */
        CLIENT_LORA,
        /** The federated server's global (averaged) copy of the client-side LoRA, or some of its blocks. */
        GLOBAL_LORA,
        /** The main server's LoRA, or some of its blocks. */
        SERVER_LORA,
        /** A party's whole state at a checkpoint (its LoRA, optimiser or strategy state), to or from the coordinator. */
        PARTY_STATE
    }
}
