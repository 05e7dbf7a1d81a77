package io.fedsllm.nn;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** UTF-8 bytes as tokens 0..255, plus {@code <bos>} 256, {@code <eos>} 257, {@code <pad>} 258 (the tiny model). */
public final class ByteTokenizer implements TextTokenizer {
    public static final int VOCAB = 259;

    @Override
    public int[] encode(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id < 256) {
                out.write(id);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int bos() {
        return 256;
    }

    @Override
    public int eos() {
        return 257;
    }

    @Override
    public int pad() {
        return 258;
    }

    @Override
    public int vocab() {
        return VOCAB;
    }
}
