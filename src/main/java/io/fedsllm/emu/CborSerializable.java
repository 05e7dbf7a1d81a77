package io.fedsllm.emu;

/**
 * Marker of every message that crosses actors; application.conf binds it to Pekko's jackson-cbor serializer, so
 * messages can cross JVMs (tensors travel as {@code byte[]}).
 */
public interface CborSerializable {}
