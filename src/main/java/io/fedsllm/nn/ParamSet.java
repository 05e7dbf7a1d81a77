package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Named float32 parameters (Hugging Face naming) owned by one {@link NDManager}: the model manager whose array
 * count must stay flat over training. Closing the set closes the manager and every array in it.
 */
public final class ParamSet implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();

    public ParamSet(NDManager manager) {
        this.manager = manager;
    }

    public NDManager manager() {
        return manager;
    }

    /** Adds a parameter from row-major floats; the name must be new. */
    public NDArray put(String name, float[] data, Shape shape) {
        if (params.containsKey(name)) {
            throw new IllegalArgumentException("parameter '" + name + "' already present");
        }
        NDArray a = manager.create(data, shape);
        a.setName(name);
        params.put(name, a);
        return a;
    }

    public NDArray get(String name) {
        NDArray a = params.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' in this segment (has " + params.size() + " parameters)");
        }
        return a;
    }

    public boolean has(String name) {
        return params.containsKey(name);
    }

    public Set<String> names() {
        return params.keySet();
    }

    public List<NDArray> arrays() {
        return List.copyOf(params.values());
    }

    /** Marks every parameter as trainable (true) or frozen (false: PyTorch computes no gradient for it). */
    public void setRequiresGradient(boolean requires) {
        params.values().forEach(a -> a.setRequiresGradient(requires));
    }

    /** Copies the named parameters into a new set owned by {@code target} (used to hand a segment its own weights). */
    public ParamSet copy(Iterable<String> names, NDManager target) {
        ParamSet out = new ParamSet(target);
        for (String n : names) {
            NDArray a = get(n);
            out.put(n, a.toFloatArray(), a.getShape());
        }
        return out;
    }

    /** The parameters as safetensors tensors, in insertion order. */
    public Map<String, SafeTensors.Tensor> toTensors() {
        Map<String, SafeTensors.Tensor> out = new LinkedHashMap<>();
        params.forEach((n, a) -> out.put(n, new SafeTensors.Tensor(a.getShape().getShape(), a.toFloatArray())));
        return out;
    }

    /** SHA-256 over names, shapes and float bits: equal hashes mean bit-identical parameters. */
    public String sha256() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update(Arrays.toString(e.getValue().getShape().getShape()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                float[] f = e.getValue().toFloatArray();
                ByteBuffer b = ByteBuffer.allocate(4 * f.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(f);
                md.update(b.array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Total number of scalar parameters. */
    public long size() {
        return params.values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    @Override
    public void close() {
        manager.close();
    }
}
