using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OrleansRep.Storage.IO;

/// <summary>The real disk: positional reads and writes on <see cref="SafeFileHandle"/>, fsync, flock-based locking.</summary>
public sealed partial class OsFileSystem : IFileSystem
{
    public static readonly OsFileSystem Instance = new();

    public IStorageFile Open(string path, bool create, long preallocate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(preallocate);

        // .NET accepts a preallocation size only with FileMode.Create/CreateNew (any other mode throws
        // ArgumentException), so a file that does not exist yet is made with CreateNew and the size. On Linux that is
        // fallocate(FALLOC_FL_KEEP_SIZE): the blocks are reserved (a full disk fails here, and the file is not left
        // behind) but Length stays 0. An existing file is opened as it is, without preallocation.
        if (create && preallocate > 0)
        {
            try
            {
                return new OsFile(path, OpenHandle(path, FileMode.CreateNew, preallocate));
            }
            catch (IOException) when (File.Exists(path) || Directory.Exists(path))
            {
                // It exists (or appeared meanwhile): open it below, as without preallocation.
            }
        }

        return new OsFile(path, OpenHandle(path, create ? FileMode.OpenOrCreate : FileMode.Open, 0));
    }

    public bool Exists(string path) => File.Exists(path);

    public void Delete(string path) => File.Delete(path);

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

    private static SafeFileHandle OpenHandle(string path, FileMode mode, long preallocate) =>
        File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.None, preallocate);

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

        public void Dispose() => handle.Dispose();
    }
}
