using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Tests.IO;

/// <summary>The real disk's preallocation rules, which the in-memory twin copies.</summary>
public sealed class OsFileSystemTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "orep-osfs-" + Guid.NewGuid().ToString("N"));

    public OsFileSystemTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Preallocating_a_new_file_reserves_space_but_leaves_its_length_zero()
    {
        var path = Path.Combine(root, "wal.log");
        using var file = OsFileSystem.Instance.Open(path, create: true, preallocate: 1 << 20);

        // Linux: fallocate(FALLOC_FL_KEEP_SIZE), so the reserved blocks are not part of the file's length.
        Assert.Equal(0, file.Length);
        file.Write(0, [1, 2, 3]);
        Assert.Equal(3, file.Length);
    }

    [Fact]
    public void Preallocating_an_existing_file_opens_it_as_it_is()
    {
        var path = Path.Combine(root, "data.db");
        File.WriteAllBytes(path, [7, 7, 7, 7, 7]);

        using var created = OsFileSystem.Instance.Open(path, create: true, preallocate: 4096);
        using var opened = OsFileSystem.Instance.Open(path, create: false, preallocate: 4096);

        Assert.Equal(5, created.Length);
        Assert.Equal(5, opened.Length);
    }

    [Fact]
    public void A_negative_preallocation_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OsFileSystem.Instance.Open(Path.Combine(root, "x"), create: true, preallocate: -1));
    }

    [Fact]
    public void A_preallocation_the_disk_cannot_hold_fails_and_leaves_no_file()
    {
        var path = Path.Combine(root, "huge");

        Assert.ThrowsAny<IOException>(() => OsFileSystem.Instance.Open(path, create: true, preallocate: 1L << 50));
        Assert.False(File.Exists(path));
    }
}
