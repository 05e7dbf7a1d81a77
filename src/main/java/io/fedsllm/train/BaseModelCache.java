package io.fedsllm.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedsllm.config.ModelShape;
import io.fedsllm.config.PretrainRunSettings;
import io.fedsllm.config.UserError;
import io.fedsllm.nn.Gpt2Weights;
import io.fedsllm.nn.ParamSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.DoubleConsumer;

/**
 * The cache of pre-trained base models: {@code <cache-dir>/base-<model>/model.safetensors} plus
 * {@code manifest.json} holding the configuration hash (model shape, pre-training settings, corpus fingerprint)
 * and the weights' SHA-256. A missing entry or a different hash triggers pre-training.
 */
public final class BaseModelCache {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bumped when the pre-training procedure changes, so old caches are rebuilt. */
    private static final int FORMAT = 1;

    private BaseModelCache() {}

    /** What happened when the base was obtained. */
    public record Entry(ParamSet weights, Path file, String configHash, String weightsSha256, boolean built) {}

    public static String configHash(ModelShape shape, PretrainRunSettings s, String corpusFingerprint) {
        String key = "format=" + FORMAT + "|shape=" + shape + "|seed=" + s.seed() + "|steps=" + s.steps() + "|batch="
                + s.batchSize() + "|lr=" + s.learningRate() + "|warmup=" + s.warmupSteps() + "|wd=" + s.weightDecay() + "|clip=" + s.gradClipNorm()
                + "|corpus=" + corpusFingerprint;
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path dir(ModelShape shape, PretrainRunSettings s) {
        return Path.of(s.cacheDir()).resolve("base-" + shape.name());
    }

    /** Loads the cached base if its hash matches, else pre-trains it (corpus built lazily) and caches it. */
    public static Entry obtain(ModelShape shape, PretrainRunSettings s, java.util.function.Supplier<Pretrainer.Corpus> corpus,
                               String corpusFingerprint, NDManager manager, DoubleConsumer onStep) {
        String hash = configHash(shape, s, corpusFingerprint);
        Path dir = dir(shape, s);
        Path file = dir.resolve("model.safetensors");
        Path manifest = dir.resolve("manifest.json");
        if (Files.isRegularFile(file) && Files.isRegularFile(manifest) && hash.equals(readHash(manifest))) {
            ParamSet w = Gpt2Weights.fromSafeTensors(shape, file, manager);
            return new Entry(w, file, hash, w.sha256(), false);
        }
        Pretrainer.Corpus c = corpus.get();
        if (!c.fingerprint().equals(corpusFingerprint)) {
            throw new IllegalStateException("corpus fingerprint changed while building it");
        }
        ParamSet w = Pretrainer.pretrain(shape, s, c, manager, onStep);
        String sha = w.sha256();
        Gpt2Weights.save(w, file, Map.of("format", "pt", "fedsllm-config-hash", hash));
        ObjectNode m = JSON.createObjectNode();
        m.put("model", shape.name());
        m.put("configHash", hash);
        m.put("weightsSha256", sha);
        m.put("steps", s.steps());
        m.put("seed", s.seed());
        m.put("corpus", corpusFingerprint);
        try {
            Files.writeString(manifest, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));
        } catch (IOException e) {
            throw new UserError("cannot write " + manifest + ": " + e.getMessage(), e);
        }
        return new Entry(w, file, hash, sha, true);
    }

    private static String readHash(Path manifest) {
        try {
            return JSON.readTree(manifest.toFile()).path("configHash").asText("");
        } catch (IOException e) {
            return ""; // an unreadable manifest means "rebuild", never a wrong base
        }
    }
}
