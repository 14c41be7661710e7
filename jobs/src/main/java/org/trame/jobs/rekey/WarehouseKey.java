package org.trame.jobs.rekey;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.ledger.RunLedger;
import org.trame.key.KeyAccessException;
import org.trame.key.KeyId;
import org.trame.key.KeyStoreProvider;
import org.trame.key.SecretKey;
import org.trame.pseudo.Pseudonymizer;

/**
 * Which link keys the warehouse's pseudonyms are under. A warehouse starts under one key ({@code
 * link-v1}); each {@code trame rekey} chains every stored pseudonym through a newer key, and the
 * chain is written as the key id: {@code link-v1>link-v2}. New ingests use the same chain, so their
 * pseudonyms match the rekeyed ones.
 */
public final class WarehouseKey {
  private WarehouseKey() {}

  /**
   * The chain of the newest successful ingest, link or rekey in the ledger; for a warehouse with
   * none, the newest link key of the keystore.
   */
  public static String current(RunLedger ledger, KeyStoreProvider keys) {
    return ledger.lastKeyId().orElseGet(() -> keys.latestKey(KeyId.LINK).id().toString());
  }

  /** The key ids of a chain, oldest first. */
  public static List<KeyId> parse(String chain) {
    List<KeyId> ids = new ArrayList<>();
    for (String part : chain.split(">")) {
      ids.add(KeyId.parse(part));
    }
    return ids;
  }

  /** The pseudonymizer of a chain, with every key of it from the keystore. */
  public static Pseudonymizer pseudonymizer(String chain, KeyStoreProvider keys) {
    Pseudonymizer p = null;
    for (KeyId id : parse(chain)) {
      SecretKey key;
      try {
        key = keys.get(id);
      } catch (KeyAccessException e) {
        throw CommandException.usage(
            "Cannot use the warehouse's key chain "
                + chain
                + ": key "
                + id
                + " is not in keystore "
                + keys.path()
                + " (every key of the chain must stay in the keystore)");
      }
      byte[] bytes = key.bytes();
      try {
        p = p == null ? new Pseudonymizer(id.toString(), bytes) : p.then(id.toString(), bytes);
      } finally {
        Arrays.fill(bytes, (byte) 0);
      }
    }
    return p;
  }

  /** The pseudonymizer the warehouse's next writes must use. */
  public static Pseudonymizer forWrites(RunLedger ledger, KeyStoreProvider keys) {
    return pseudonymizer(current(ledger, keys), keys);
  }
}
