package org.trame.pseudo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hashing kernel of ingest, one identifier per call: the JDK's raw SHA-256 and HMAC-SHA256
 * ({@link Mac}) on the delivered bytes, Trame's HMAC with primed digest states ({@link
 * HmacSha256}), and the whole kernel (normalize, domain-separated encoding, HMAC, base32 text) for
 * a NIR and for a last name. Inputs are 4,096 synthetic NIRs with valid keys and 4,096 names with
 * accents, spaces and mixed case, cycled. Run with {@code mvn -B -Pjmh -pl common package} (see
 * the README's "Benchmarks").
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class HashingKernelBenchmark {
  private static final int N = 4096;
  private static final String[] SURNAMES = {
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "García", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martínez", "Le Gall", "N'Diaye", "de la Fontaine", "Müller"
  };

  private final String[] nirs = new String[N];
  private final byte[][] nirBytes = new byte[N][];
  private final String[] names = new String[N];
  private MessageDigest sha256;
  private Mac mac;
  private HmacSha256 primed;
  private Pseudonymizer pseudonymizer;
  private int i;

  @Setup
  public void setUp() throws Exception {
    Random random = new Random(42);
    for (int k = 0; k < N; k++) {
      String body =
          String.format(
              "%d%02d%02d%02d%03d%03d",
              1 + random.nextInt(2),
              random.nextInt(100),
              1 + random.nextInt(12),
              1 + random.nextInt(95),
              1 + random.nextInt(990),
              1 + random.nextInt(999));
      nirs[k] = Nir.withKey(body);
      nirBytes[k] = nirs[k].getBytes(StandardCharsets.US_ASCII);
      String surname = SURNAMES[random.nextInt(SURNAMES.length)];
      names[k] = random.nextBoolean() ? surname.toUpperCase(java.util.Locale.ROOT) : " " + surname;
    }
    byte[] key = new byte[32];
    random.nextBytes(key);
    sha256 = MessageDigest.getInstance("SHA-256");
    mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    primed = HmacSha256.withKey(key);
    pseudonymizer = new Pseudonymizer("bench-v1", key);
  }

  private int next() {
    i = (i + 1) & (N - 1);
    return i;
  }

  /** The floor: SHA-256 of the delivered bytes, no key. */
  @Benchmark
  public byte[] jdkSha256() {
    return sha256.digest(nirBytes[next()]);
  }

  /** The JDK's HMAC-SHA256, one reused {@link Mac}. */
  @Benchmark
  public byte[] jdkHmac() {
    return mac.doFinal(nirBytes[next()]);
  }

  /** Trame's HMAC-SHA256 with the keyed inner and outer states computed once. */
  @Benchmark
  public byte[] primedHmac() {
    return primed.mac(nirBytes[next()]);
  }

  /** The kernel for a NIR: check the key, keep the body, encode, HMAC, base32. */
  @Benchmark
  public String kernelNir() {
    return pseudonymizer.pseudonym("nir", IdentifierRole.NIR.normalize(nirs[next()]));
  }

  /** The kernel for a last name: accents, case and spaces normalized, then the same. */
  @Benchmark
  public String kernelLastName() {
    return pseudonymizer.pseudonym("last_name", IdentifierRole.LAST_NAME.normalize(names[next()]));
  }
}
