package dev.memfilestore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real file channel that fails on demand, as a full disk or a dying device would: writes can fail
 * outright or after writing half their bytes, forces can fail.
 */
final class FaultyFileChannel extends FileChannel {
  /** Switches shared by every channel one {@link #opener} opens. */
  static final class Faults {
    final AtomicBoolean failWrites = new AtomicBoolean();
    final AtomicBoolean writeHalfFirst = new AtomicBoolean();
    final AtomicBoolean failForces = new AtomicBoolean();
    final AtomicBoolean failOpens = new AtomicBoolean();

    /** Forces done (or failed) so far. */
    final AtomicInteger forces = new AtomicInteger();

    /** When set, each force first waits for a permit: a slow disk the test releases at will. */
    volatile Semaphore forceGate;

    Journal.ChannelOpener opener() {
      return (Path path, StandardOpenOption... options) -> {
        if (failOpens.get()) {
          throw new IOException("No space left on device (injected)");
        }
        return new FaultyFileChannel(SaveFiles.openOwnerOnly(path, options), this);
      };
    }
  }

  private final FileChannel delegate;
  private final Faults faults;

  private FaultyFileChannel(FileChannel delegate, Faults faults) {
    this.delegate = delegate;
    this.faults = faults;
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    if (faults.failWrites.get()) {
      if (faults.writeHalfFirst.get() && src.remaining() > 1) {
        ByteBuffer half = src.duplicate();
        half.limit(src.position() + src.remaining() / 2);
        delegate.write(half, position);
      }
      throw new IOException("No space left on device (injected)");
    }
    return delegate.write(src, position);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (faults.failWrites.get()) {
      throw new IOException("No space left on device (injected)");
    }
    return delegate.write(src);
  }

  @Override
  public void force(boolean metaData) throws IOException {
    Semaphore gate = faults.forceGate;
    if (gate != null) {
      gate.acquireUninterruptibly();
    }
    faults.forces.incrementAndGet();
    if (faults.failForces.get()) {
      throw new IOException("Input/output error (injected)");
    }
    delegate.force(metaData);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return delegate.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return delegate.read(dsts, offset, length);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    if (faults.failWrites.get()) {
      throw new IOException("No space left on device (injected)");
    }
    return delegate.write(srcs, offset, length);
  }

  @Override
  public long position() throws IOException {
    return delegate.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    delegate.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    delegate.truncate(size);
    return this;
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    return delegate.transferTo(position, count, target);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    return delegate.transferFrom(src, position, count);
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return delegate.read(dst, position);
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    return delegate.map(mode, position, size);
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return delegate.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return delegate.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    delegate.close();
  }
}
