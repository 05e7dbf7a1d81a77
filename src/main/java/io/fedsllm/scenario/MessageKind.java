package io.fedsllm.scenario;

import java.util.Locale;

/**
 * The protocol messages a {@code drop-messages} event can drop, each on its link: a client's activations and the
 * main server's gradients (main link, every local iteration), a client's LoRA upload (fed link, the round's LoRA
 * phase, iteration I) and the federated server's broadcast of the global copy (fed link, the round start, iteration 0).
 */
public enum MessageKind {
    ACTIVATIONS(Link.MAIN), GRADIENTS(Link.MAIN), LORA_UPLOAD(Link.FED), GLOBAL_LORA(Link.FED);

    private final Link link;

    MessageKind(Link link) {
        this.link = link;
    }

    public Link link() {
        return link;
    }

    /** The spelling in events.jsonl: {@code activations}, {@code gradients}, {@code lora-upload}, {@code global-lora}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
