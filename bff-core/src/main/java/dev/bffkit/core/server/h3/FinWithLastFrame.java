package dev.bffkit.core.server.h3;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;

/**
 * Sends a response stream's FIN in the STREAM frame of its last HTTP/3 frame, never alone. Below Netty's HTTP/3
 * codec, which writes each frame it encodes as one ByteBuf: once {@link #finNext} is called, the next one goes down as
 * a QUIC stream frame with the FIN bit.
 *
 * <p>Why: the usual {@code shutdownOutput()} after the last write sends the FIN as a STREAM frame of its own, with no
 * data, and the quiche that Netty 4.2.9 bundles does not send such a frame again when its packet is lost. Its loss
 * is detected, but the client never learns the answer ended and the stream hangs until the idle timeout (measured
 * with `load-tests/h3-netem.sh` at 3 % loss: 4 of 400 requests, each qlog showing the FIN-only packet lost, a probe
 * acked, no retransmission). A FIN that rides with data is sent again with it.
 */
final class FinWithLastFrame extends ChannelOutboundHandlerAdapter {
  private boolean armed;

  /** The next frame written is the stream's last. */
  void finNext() {
    armed = true;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (armed && msg instanceof ByteBuf buf) {
      armed = false;
      ctx.write(new DefaultQuicStreamFrame(buf, true), promise);
      return;
    }
    ctx.write(msg, promise);
  }
}
