package io.fedsllm.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedsllm.config.UserError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small reader/writer of the Hugging Face safetensors format: an 8-byte little-endian header length, a JSON
 * header {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then the raw
 * little-endian tensor bytes. Reads F32, F16 and BF16 (converted to float); writes F32.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private SafeTensors() {}

    /** One tensor as floats in row-major order. */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " holds " + n
                        + " values, data has " + data.length);
            }
        }
    }

    /** Reads every tensor of the file in header order; a malformed file is a {@link UserError} naming it. */
    public static Map<String, Tensor> read(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserError("safetensors file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UserError("cannot read safetensors file " + file + ": " + e, e);
        }
        return parse(all, file.toString());
    }

    /**
     * Parses safetensors bytes (a file's content or a message); {@code source} names them in errors. A malformed
     * input is a {@link UserError}.
     */
    public static Map<String, Tensor> parse(byte[] all, String source) {
        if (all.length < 8) {
            throw new UserError(source + ": not a safetensors file (" + all.length + " bytes, need an 8-byte header length)");
        }
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong(0);
        if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > all.length) {
            throw new UserError(source + ": bad safetensors header length " + headerLen + " (file has " + all.length + " bytes)");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UserError(source + ": safetensors header is not valid JSON: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new UserError(source + ": safetensors header is not a JSON object");
        }
        int dataStart = 8 + (int) headerLen;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            out.put(e.getKey(), readTensor(source, e.getKey(), e.getValue(), buf, dataStart, all.length));
        }
        return out;
    }

    /** Parsed safetensors bytes: the tensors in header order and the metadata. */
    public record Message(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /**
     * Parses safetensors bytes received as a message (e.g. LoRA on the wire, a strategy's state): malformed bytes
     * are an IllegalArgumentException naming {@code source} (not a UserError: a message is not user input).
     */
    public static Message message(byte[] all, String source) {
        try {
            return new Message(parse(all, source), metadata(all, source));
        } catch (UserError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The {@code __metadata__} entries of safetensors bytes (empty when absent). */
    public static Map<String, String> metadata(byte[] all, String source) {
        parse(all, source); // validates the whole input first
        long headerLen = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Map<String, String> out = new LinkedHashMap<>();
        try {
            JSON.readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8)).path("__metadata__").fields()
                    .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        } catch (IOException e) {
            throw new UserError(source + ": safetensors header is not valid JSON: " + e.getMessage(), e);
        }
        return out;
    }

    private static Tensor readTensor(String file, String name, JsonNode info, ByteBuffer buf, int dataStart, int fileLen) {
        String dtype = info.path("dtype").asText("");
        JsonNode shapeNode = info.path("shape");
        JsonNode offsets = info.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw new UserError(file + ": tensor '" + name + "' lacks a shape or data_offsets [begin, end]");
        }
        long[] shape = new long[shapeNode.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
            n *= shape[i];
        }
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new UserError(file + ": tensor '" + name + "' has dtype " + dtype + ": expected F32, F16 or BF16");
        };
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (end - begin != n * width || dataStart + end > fileLen || begin < 0) {
            throw new UserError(file + ": tensor '" + name + "' " + dtype + Arrays.toString(shape) + " needs " + n * width
                    + " bytes but data_offsets are [" + begin + ", " + end + "] in a data section of " + (fileLen - dataStart) + " bytes");
        }
        float[] data = new float[(int) n];
        int p = dataStart + (int) begin;
        for (int i = 0; i < data.length; i++) {
            data[i] = switch (dtype) {
                case "F32" -> buf.getFloat(p + 4 * i);
                case "F16" -> halfToFloat(buf.getShort(p + 2 * i));
                default -> Float.intBitsToFloat((buf.getShort(p + 2 * i) & 0xFFFF) << 16); // BF16 = upper half of F32
            };
        }
        return new Tensor(shape, data);
    }

    /** IEEE 754 half precision to float (Float.float16ToFloat needs Java 20). */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal: mant * 2^-24
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** The safetensors bytes of the tensors, F32, in the given order (header keys keep that order; metadata sorted). */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            new java.util.TreeMap<>(metadata).forEach(meta::put); // sorted: the same bytes whatever the map's order
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long bytes = 4L * e.getValue().data().length;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes;
        try {
            headerBytes = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // The format pads the header with spaces to an 8-byte boundary so the data is aligned.
        int pad = (8 - headerBytes.length % 8) % 8;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + headerBytes.length + pad + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(headerBytes.length + pad).put(headerBytes);
        for (int i = 0; i < pad; i++) {
            out.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            for (float f : t.data()) {
                out.putFloat(f);
            }
        }
        return out.array();
    }

    /** Writes the tensors as F32 in the given order (header keys keep that order). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        byte[] bytes = toBytes(tensors, metadata);
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UserError("cannot write safetensors file " + file + ": " + e.getMessage(), e);
        }
    }
}
