package io.fedsllm.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache of pre-trained base models: {@code <cache-dir>/base-<model>/model.safetensors} plus
 * {@code manifest.json} holding the configuration hash (model shape, pre-training settings, corpus fingerprint)
 * and the weights' SHA-256. A missing entry or a different hash triggers pre-training, and so do cached weights
 * that no longer match the manifest's SHA-256 or cannot be read (damaged file; the reason is logged).
 */
public final class BaseModelCache {
    private static final Logger LOG = LoggerFactory.getLogger(BaseModelCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bumped when the pre-training procedure changes, so old caches are rebuilt. */
    private static final int FORMAT = 1;

    private BaseModelCache() {}

    /** What happened when the base was obtained; {@code buildReason} says why it was pre-trained ("" = found cached). */
    public record Entry(ParamSet weights, Path file, String configHash, String weightsSha256, boolean built, String buildReason) {}

    public static String configHash(ModelShape shape, PretrainRunSettings s, String corpusFingerprint) {
        String key = "format=" + FORMAT + "|shape=" + shape + "|seed=" + s.seed() + "|steps=" + s.steps() + "|batch="
                + s.batchSize() + "|lr=" + s.learningRate() + "|warmup=" + s.warmupSteps() + "|min-lr=" + s.minLrFraction()
                + "|betas=" + s.beta1() + "," + s.beta2() + "|eps=" + s.epsilon() + "|wd=" + s.weightDecay() + "|clip=" + s.gradClipNorm()
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
        String reason;
        JsonNode recorded = Files.isRegularFile(manifest) ? readManifest(manifest) : null;
        if (!Files.isRegularFile(file) || recorded == null) {
            reason = "no cached base at " + dir;
        } else if (!hash.equals(recorded.path("configHash").asText(""))) {
            reason = "the cached base at " + dir + " was built with another configuration";
        } else {
            NDManager load = manager.newSubManager();
            try {
                ParamSet w = Gpt2Weights.fromSafeTensors(shape, file, load);
                String sha = w.sha256();
                String want = recorded.path("weightsSha256").asText("");
                if (sha.equals(want)) {
                    return new Entry(w, file, hash, sha, false, "");
                }
                reason = "the weights in " + file + " have SHA-256 " + sha + ", the manifest records " + want;
            } catch (UserError e) {
                reason = "the cached base cannot be read: " + e.getMessage();
            }
            load.close();
            LOG.warn("cached base damaged, pre-training it again: {}", reason);
        }
        Pretrainer.Corpus c = corpus.get();
        if (!c.fingerprint().equals(corpusFingerprint)) {
            throw new IllegalStateException("corpus fingerprint changed while building it");
        }
        ParamSet w = Pretrainer.pretrain(shape, s, c, manager, onStep);
        String sha = w.sha256();
        Gpt2Weights.save(w, file, Map.of("format", "pt", "fedsllm-config-hash", hash)); // metadata written sorted
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
        return new Entry(w, file, hash, sha, true, reason);
    }

    /** The manifest's JSON; an unreadable manifest reads as empty, which means "rebuild", never a wrong base. */
    private static JsonNode readManifest(Path manifest) {
        try {
            JsonNode n = JSON.readTree(manifest.toFile());
            return n == null ? MissingNode.getInstance() : n;
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }
}
