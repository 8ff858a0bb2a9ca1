using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Tests.IO;

/// <summary>
/// <see cref="MemoryFileSystem"/> is only worth testing the engine against if it keeps the real disk's rules: one
/// scenario runs against both, and every observation (a value, or the type of the exception) must match.
/// </summary>
public sealed class FileSystemTwinTests
{
    [Fact]
    public void Memory_file_system_observes_the_same_as_the_real_one()
    {
        var root = Path.Combine(Path.GetTempPath(), "orep-twin-" + Guid.NewGuid().ToString("N"));
        List<string> real;
        try
        {
            real = Scenario(OsFileSystem.Instance, root);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }

        // The same path in memory, so nothing in the scenario differs but the file system.
        var memory = Scenario(new MemoryFileSystem(), root);

        Assert.Equal(real, memory);
        Assert.False(Directory.Exists(root));
    }

    private static List<string> Scenario(IFileSystem fs, string root)
    {
        var log = new List<string>();
        void Observe(string what, Func<object?> action)
        {
            try
            {
                log.Add($"{what}: {Show(action())}");
            }
#pragma warning disable CA1031 // the exception type is the observation
            catch (Exception e)
#pragma warning restore CA1031
            {
                log.Add($"{what}: throws {e.GetType().Name}");
            }
        }

        void Do(string what, Action action) => Observe(what, () =>
        {
            action();
            return "ok";
        });

        string P(string name) => Path.Combine(root, name);

        Do("create home", () => fs.CreateDirectory(root));
        Do("create home again", () => fs.CreateDirectory(root));

        // Positional writes, gaps, extension, reads past the end.
        using (var a = fs.Open(P("a.dat"), create: true))
        {
            Observe("new length", () => a.Length);
            Do("write hello at 0", () => a.Write(0, "hello"u8));
            Do("write past the end at 10", () => a.Write(10, [1, 2, 3]));
            Observe("length after gap", () => a.Length);
            Observe("read all", () => ReadAt(a, 0, 64));
            Do("extend by overlapping the end", () => a.Write(11, [9, 9, 9, 9]));
            Observe("length after extend", () => a.Length);
            Observe("read middle", () => ReadAt(a, 3, 10));
            Observe("read past the end", () => ReadAt(a, 100, 8));
            Do("empty write past the end", () => a.Write(100, ReadOnlySpan<byte>.Empty));
            Observe("length after empty write", () => a.Length);
            Do("shrink", () => a.SetLength(4));
            Observe("after shrink", () => ReadAt(a, 0, 64));
            Do("grow", () => a.SetLength(8));
            Observe("after grow (zeros, not the old bytes)", () => ReadAt(a, 0, 64));
            Do("flush", a.Flush);
            Observe("path", () => a.Path == P("a.dat"));
            Observe("negative length", () => { a.SetLength(-1); return null; });
            Observe("negative write offset", () => { a.Write(-1, [1]); return null; });
            Observe("negative read offset", () => a.Read(-1, new byte[1]));
        }

        using (var again = fs.Open(P("a.dat"), create: false))
        {
            Observe("reopened", () => ReadAt(again, 0, 64));
        }

        // Rename: moves the content, replaces an existing target.
        using (var t = fs.Open(P("t.tmp"), create: true))
        {
            t.Write(0, [7, 7]);
        }

        Do("rename to a new name", () => fs.Rename(P("t.tmp"), P("t.new")));
        Observe("old name after rename", () => fs.Exists(P("t.tmp")));
        Observe("new name after rename", () => OpenLength(fs, P("t.new"), create: false));
        Do("rename over an existing file", () => fs.Rename(P("t.new"), P("a.dat")));
        Observe("replaced target", () => OpenLength(fs, P("a.dat"), create: false));
        Do("rename a missing file", () => fs.Rename(P("missing"), P("x")));
        Do("rename into a missing directory", () => fs.Rename(P("a.dat"), P("nodir/x")));

        // Missing things.
        Observe("open missing", () => OpenLength(fs, P("missing"), create: false));
        Observe("open in missing directory", () => OpenLength(fs, P("nodir/x"), create: true));
        Observe("open a directory", () => OpenLength(fs, root, create: false));
        Observe("exists a.dat", () => fs.Exists(P("a.dat")));
        Observe("exists missing", () => fs.Exists(P("missing")));
        Observe("exists directory", () => fs.Exists(root));
        Do("create directory over a file", () => fs.CreateDirectory(P("a.dat")));
        Do("sync missing directory", () => fs.SyncDirectory(P("nodir")));
        Do("sync home", () => fs.SyncDirectory(root));

        // Listing: Win32 wildcard rules, case-sensitive, files only, ordinal order.
        foreach (var name in new[] { "B.log", "ab.log", "a.log.bak", "x.logx", "noext" })
        {
            fs.Open(P(name), create: true).Dispose();
        }

        fs.CreateDirectory(P("sub.log"));
        foreach (var pattern in new[] { "*", "*.log", "*.LOG", "?.dat", "??.log", "a*", "*.*", "*.log*", "no?xt" })
        {
            Observe($"list {pattern}", () => string.Join(",", fs.List(root, pattern)));
        }

        Observe("list missing directory", () => fs.List(P("nodir"), "*").Count);

        // Deleting.
        Do("delete b.log", () => fs.Delete(P("b.log")));
        Observe("b.log exists", () => fs.Exists(P("b.log")));
        Do("delete missing", () => fs.Delete(P("missing")));
        Do("delete in missing directory", () => fs.Delete(P("nodir/x")));
        Do("delete a directory", () => fs.Delete(P("sub.log")));
        using (var open = fs.Open(P("ab.log"), create: true))
        {
            open.Write(0, [5]);
            Do("delete while open", () => fs.Delete(P("ab.log")));
            Observe("deleted file still readable", () => ReadAt(open, 0, 8));
            Do("deleted file still writable", () => open.Write(1, [6]));
            Observe("exists after delete while open", () => fs.Exists(P("ab.log")));
        }

        Observe("recreated after delete is new", () => OpenLength(fs, P("ab.log"), create: true));

        // Locks: exclusive, against each other and against open handles.
        var lockPath = P("__orep.lock");
        var first = fs.Lock(lockPath, root);
        Observe("lock twice", () => fs.Lock(lockPath, root));
        Observe("open a locked file", () => OpenLength(fs, lockPath, create: true));
        first.Dispose();
        Do("dispose a lock twice", first.Dispose);
        Do("lock after release", () => fs.Lock(lockPath, root).Dispose());
        Observe("lock file remains", () => fs.Exists(lockPath));
        using (fs.Open(lockPath, create: false))
        {
            Observe("lock an open file", () => fs.Lock(lockPath, root));
        }

        Observe("lock in missing directory", () => fs.Lock(P("nodir/__orep.lock"), root));
        Observe("lock a directory", () => fs.Lock(P("sub.log"), root));
        using (fs.Lock(lockPath, root))
        {
            Do("delete a locked file", () => fs.Delete(lockPath));
            Do("lock the new file of the same name", () => fs.Lock(lockPath, root).Dispose());
        }

        // A disposed handle.
        var disposed = fs.Open(P("a.dat"), create: false);
        disposed.Dispose();
        Observe("length after dispose", () => disposed.Length);
        Do("write after dispose", () => disposed.Write(0, [1]));
        Do("flush after dispose", disposed.Flush);
        Do("dispose twice", disposed.Dispose);

        Observe("final listing", () => string.Join(",", fs.List(root, "*")));
        return log;
    }

    private static long OpenLength(IFileSystem fs, string path, bool create)
    {
        using var file = fs.Open(path, create);
        return file.Length;
    }

    private static string ReadAt(IStorageFile file, long offset, int count)
    {
        var buffer = new byte[count];
        var n = file.Read(offset, buffer);
        return Convert.ToHexString(buffer, 0, n);
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        IDisposable d => Dispose(d),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };

    // A lock that was unexpectedly granted is released, and shows up as a difference.
    private static string Dispose(IDisposable d)
    {
        d.Dispose();
        return "granted";
    }
}
