package org.trame.key;

import java.time.Instant;

/** What may be shown about a key: its id, algorithm and creation date, never its bytes. */
public record KeyInfo(KeyId id, String algorithm, int bits, Instant created) {}
