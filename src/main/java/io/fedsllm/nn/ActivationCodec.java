package io.fedsllm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The wire format of split activations and their gradients: magic "FSLA", rank, the dimensions (int32 each),
 * then float32 values, all little-endian. Decoding checks the magic, the byte count and the expected shape.
 */
public final class ActivationCodec {
    private static final int MAGIC = 0x414C5346; // "FSLA" read little-endian

    private ActivationCodec() {}

    public static byte[] encode(NDArray x) {
        return encode(x.toFloatArray(), x.getShape().getShape());
    }

    /** Encodes row-major float32 values of the given shape. */
    public static byte[] encode(float[] data, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " holds " + n + " values, got " + data.length);
        }
        ByteBuffer b = ByteBuffer.allocate(8 + 4 * dims.length + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(dims.length);
        for (long d : dims) {
            b.putInt(Math.toIntExact(d));
        }
        b.asFloatBuffer().put(data);
        return b.array();
    }

    /** Decodes into {@code manager}; {@code expected} may hold -1 for a dimension that is not checked. */
    public static NDArray decode(NDManager manager, byte[] bytes, long... expected) {
        Shape shape = shapeOf(bytes);
        long[] dims = shape.getShape();
        if (expected.length != dims.length) {
            throw new IllegalArgumentException("activation of shape " + Arrays.toString(dims) + ": expected rank " + expected.length
                    + " " + Arrays.toString(expected));
        }
        for (int i = 0; i < dims.length; i++) {
            if (expected[i] >= 0 && expected[i] != dims[i]) {
                throw new IllegalArgumentException("activation of shape " + Arrays.toString(dims) + ": expected " + Arrays.toString(expected)
                        + " (-1 = any)");
            }
        }
        return manager.create(values(bytes), shape);
    }

    /** The row-major values of a message (its shape is {@link #shapeOf}), after checking magic and total size. */
    public static float[] values(byte[] bytes) {
        Shape shape = shapeOf(bytes);
        int header = 8 + 4 * shape.dimension();
        float[] data = new float[Math.toIntExact(shape.size())];
        ByteBuffer.wrap(bytes, header, bytes.length - header).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        return data;
    }

    /** The index of the first value that is NaN or infinite, or -1 when every value is finite. */
    public static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return i;
            }
        }
        return -1;
    }

    /** True when every value of the message is finite. */
    public static boolean allFinite(byte[] bytes) {
        return firstNonFinite(values(bytes)) < 0;
    }

    /** The shape in the header, after checking magic and total size. */
    public static Shape shapeOf(byte[] bytes) {
        if (bytes.length < 8) {
            throw new IllegalArgumentException("activation message of " + bytes.length + " bytes: shorter than its 8-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt();
        int rank = b.getInt();
        if (magic != MAGIC || rank < 0 || rank > 8 || bytes.length < 8 + 4 * rank) {
            throw new IllegalArgumentException("not an activation message (magic " + Integer.toHexString(magic) + ", rank " + rank
                    + ", " + bytes.length + " bytes)");
        }
        long[] dims = new long[rank];
        long n = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = b.getInt();
            n *= dims[i];
        }
        long want = 8 + 4L * rank + 4 * n;
        if (bytes.length != want) {
            throw new IllegalArgumentException("activation message of shape " + Arrays.toString(dims) + " needs " + want
                    + " bytes, got " + bytes.length);
        }
        return new Shape(dims);
    }
}
