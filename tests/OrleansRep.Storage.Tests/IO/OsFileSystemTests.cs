using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Tests.IO;

/// <summary>The real disk's preallocation rules, which the in-memory twin copies.</summary>
public sealed class OsFileSystemTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "orep-osfs-" + Guid.NewGuid().ToString("N"));

    public OsFileSystemTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Rename_replaces_the_target_and_keeps_open_handles_working()
    {
        var from = Path.Combine(root, "log.prepared");
        var to = Path.Combine(root, "log.0000000001");
        File.WriteAllBytes(to, [9]);
        using var file = OsFileSystem.Instance.Open(from, create: true);
        file.Write(0, [1, 2, 3]);

        OsFileSystem.Instance.Rename(from, to);

        Assert.False(File.Exists(from));
        file.Write(3, [4]);
        file.Flush();
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(to));
    }
}
