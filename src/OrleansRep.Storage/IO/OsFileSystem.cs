using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OrleansRep.Storage.IO;

/// <summary>The real disk: positional reads and writes on <see cref="SafeFileHandle"/>, fsync, flock-based locking.</summary>
public sealed partial class OsFileSystem : IFileSystem
{
    public static readonly OsFileSystem Instance = new();

    public IStorageFile Open(string path, bool create) =>
        new OsFile(path, File.OpenHandle(path, create ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete));

    public bool Exists(string path) => File.Exists(path);

    public void Delete(string path) => File.Delete(path);

    public void Rename(string source, string destination) => File.Move(source, destination, overwrite: true);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public IReadOnlyList<string> List(string directory, string pattern) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, pattern).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    public void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = SysOpen(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = SysFsync(fd);
        }
        finally
        {
            _ = SysClose(fd);
        }
    }

    public IDisposable Lock(string path, string home)
    {
        try
        {
            // On Unix .NET implements FileShare.None with flock(LOCK_EX | LOCK_NB): held until the handle closes,
            // released by the kernel if the process dies.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new EnvironmentLockedException(home);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SysOpen(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int SysFsync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int SysFdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int SysClose(int fd);

    private sealed class OsFile(string path, SafeFileHandle handle) : IStorageFile
    {
        public string Path { get; } = path;

        public long Length => RandomAccess.GetLength(handle);

        public int Read(long offset, Span<byte> buffer)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var n = RandomAccess.Read(handle, buffer[total..], offset + total);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return total;
        }

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(handle, data, offset);

        /// <summary>fdatasync where there is one (as Berkeley DB does): the data and what is needed to read it back
        /// (the size), without waiting for timestamps to be journaled.</summary>
        public void Flush()
        {
            if (OperatingSystem.IsLinux())
            {
                var added = false;
                try
                {
                    handle.DangerousAddRef(ref added);
                    if (SysFdatasync((int)handle.DangerousGetHandle()) != 0)
                    {
                        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                        throw new IOException($"fdatasync of {Path} failed (errno {errno})", errno);
                    }
                }
                finally
                {
                    if (added)
                    {
                        handle.DangerousRelease();
                    }
                }

                return;
            }

            RandomAccess.FlushToDisk(handle);
        }

        public void SetLength(long length) => RandomAccess.SetLength(handle, length);

        public void Allocate(long length)
        {
            var zeros = new byte[1 << 20];
            for (var pos = Length; pos < length; pos += zeros.Length)
            {
                RandomAccess.Write(handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, length - pos)), pos);
            }
        }

        public void Dispose() => handle.Dispose();
    }
}
