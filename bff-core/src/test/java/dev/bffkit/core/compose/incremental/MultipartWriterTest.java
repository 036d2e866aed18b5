package dev.bffkit.core.compose.incremental;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** The parts byte for byte as Apollo Router writes them (its axum_factory tests' chunks). */
class MultipartWriterTest {
  @Test
  void framesAsApolloRouter() {
    assertEquals("\r\n--graphql\r\ncontent-type: application/json\r\n\r\n{\"data\":{\"test\":\"hello\"},\"hasNext\":true}\r\n--graphql\r\n",
        MultipartWriter.frame(Buffer.buffer("{\"data\":{\"test\":\"hello\"},\"hasNext\":true}"), true, false).toString());
    assertEquals("content-type: application/json\r\n\r\n{\"hasNext\":true,\"incremental\":[{\"data\":{\"other\":\"world\"},\"path\":[]}]}\r\n--graphql\r\n",
        MultipartWriter.frame(Buffer.buffer("{\"hasNext\":true,\"incremental\":[{\"data\":{\"other\":\"world\"},\"path\":[]}]}"), false, false)
            .toString());
    assertEquals("content-type: application/json\r\n\r\n{\"hasNext\":false}\r\n--graphql--\r\n",
        MultipartWriter.frame(Buffer.buffer("{\"hasNext\":false}"), false, true).toString());
    // A one-part answer opens and closes in the same chunk.
    assertEquals("\r\n--graphql\r\ncontent-type: application/json\r\n\r\n{\"data\":{},\"hasNext\":false}\r\n--graphql--\r\n",
        MultipartWriter.frame(Buffer.buffer("{\"data\":{},\"hasNext\":false}"), true, true).toString());
    assertEquals("multipart/mixed;boundary=\"graphql\";deferSpec=20220824", MultipartWriter.CONTENT_TYPE);
  }
}
