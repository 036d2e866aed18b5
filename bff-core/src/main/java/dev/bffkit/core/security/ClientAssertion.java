package dev.bffkit.core.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;

/**
 * The BFF's {@code private_key_jwt} client authentication (RFC 7523 §2.2, OpenID Connect Core §9): a JWT with
 * {@code iss} and {@code sub} the client id, {@code aud} the endpoint called, a unique {@code jti} and a one-minute
 * life, signed RS256 (an RSA key) or ES256/384/512 (an EC key by its curve) with a PKCS#8 PEM key read once at start.
 * A signature costs up to ~1.5 ms (RSA 2048), so it is made on a worker, once per introspection call.
 */
final class ClientAssertion {
  static final String TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  private static final long LIFE_MS = 60_000;

  private final String clientId;
  private final JWSSigner signer;
  private final JWSAlgorithm algorithm;

  private ClientAssertion(String clientId, JWSSigner signer, JWSAlgorithm algorithm) {
    this.clientId = clientId;
    this.signer = signer;
    this.algorithm = algorithm;
  }

  /** Reads {@code pem} (PKCS#8 {@code BEGIN PRIVATE KEY}); the message names the file and what is wrong. */
  static ClientAssertion load(String clientId, Path pem) {
    String text;
    try {
      text = Files.readString(pem, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the private_key_jwt key " + pem + ": " + e.getMessage());
    }
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(pem + " is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----);"
          + " convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
    }
    byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
    PrivateKey key = null;
    for (String kind : new String[] {"RSA", "EC"}) {
      try {
        key = KeyFactory.getInstance(kind).generatePrivate(new PKCS8EncodedKeySpec(der));
        break;
      } catch (GeneralSecurityException notThisKind) {
        // try the next
      }
    }
    try {
      if (key instanceof RSAPrivateKey rsa) return new ClientAssertion(clientId, new RSASSASigner(rsa), JWSAlgorithm.RS256);
      if (key instanceof ECPrivateKey ec) {
        Curve curve = Curve.forECParameterSpec(ec.getParams());
        JWSAlgorithm alg = Curve.P_384.equals(curve) ? JWSAlgorithm.ES384
            : Curve.P_521.equals(curve) ? JWSAlgorithm.ES512 : JWSAlgorithm.ES256;
        return new ClientAssertion(clientId, new ECDSASigner(ec), alg);
      }
    } catch (JOSEException e) {
      throw new IllegalArgumentException(pem + ": " + e.getMessage());
    }
    throw new IllegalArgumentException(pem + " holds neither an RSA nor an EC private key");
  }

  /** A new assertion for a call to {@code audience}. */
  String sign(String audience) {
    long now = System.currentTimeMillis();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(audience)
        .jwtID(UUID.randomUUID().toString()).issueTime(new Date(now)).expirationTime(new Date(now + LIFE_MS)).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing the client assertion failed: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }
}
