using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;

namespace OrleansRep.Storage.Tests.Log;

public sealed class LogFilePreparerTests
{
    private const string Home = "/env";
    private const int FileSize = 64 << 10;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_created_file_is_full_size_zero_filled_with_its_header_and_durable_under_its_name(bool ahead)
    {
        var fs = new MemoryFileSystem();
        fs.CreateDirectory(Home);
        using var preparer = new LogFilePreparer(fs, Home, FileSize, ahead);
        preparer.PrepareAhead(1);

        using (var file = preparer.Create(1, Path.Combine(Home, LogFormat.FileName(1))))
        {
            Assert.Equal(Path.Combine(Home, LogFormat.FileName(1)), file.Path);
        }

        fs.Crash(CrashMode.LoseUnsynced, seed: 1);
        var bytes = fs.ReadAll(Path.Combine(Home, LogFormat.FileName(1)));
        Assert.Equal(FileSize, bytes.Length);
        Assert.Null(LogFormat.CheckFileHeader(bytes, 1));
        Assert.False(bytes.AsSpan(LogFormat.FileHeaderSize).ContainsAnyExcept((byte)0));
        Assert.False(fs.Exists(Path.Combine(Home, LogFilePreparer.TempName)));
    }

    [Fact]
    public void A_file_prepared_for_another_number_gets_the_right_header()
    {
        var fs = new MemoryFileSystem();
        fs.CreateDirectory(Home);
        using var preparer = new LogFilePreparer(fs, Home, FileSize, ahead: true);

        // Prepared as file 5, then the log was cut back and needs file 3.
        preparer.PrepareAhead(5);
        preparer.Create(3, Path.Combine(Home, LogFormat.FileName(3))).Dispose();

        Assert.Null(LogFormat.CheckFileHeader(fs.ReadAll(Path.Combine(Home, LogFormat.FileName(3))), 3));
    }

    [Fact]
    public void A_half_prepared_file_left_by_a_crash_is_deleted_and_never_read_as_log()
    {
        var fs = new MemoryFileSystem();
        fs.CreateDirectory(Home);
        using (var stale = fs.Open(Path.Combine(Home, LogFilePreparer.TempName), create: true))
        {
            stale.Write(0, [1, 2, 3]);
        }

        using var reader = new LogReader(fs, Home);
        Assert.Empty(reader.Files());

        using var preparer = new LogFilePreparer(fs, Home, FileSize, ahead: false);
        Assert.False(fs.Exists(Path.Combine(Home, LogFilePreparer.TempName)));
    }

    [Fact]
    public void A_full_disk_while_preparing_surfaces_when_the_file_is_needed_and_leaves_no_log_file()
    {
        var memory = new MemoryFileSystem();
        var fs = new FaultInjectingFileSystem(memory);
        fs.CreateDirectory(Home);
        fs.DiskFullAfterBytes(FileSize / 2);
        using var preparer = new LogFilePreparer(fs, Home, FileSize, ahead: true);
        preparer.PrepareAhead(1);

        Assert.Throws<IOException>(() => preparer.Create(1, Path.Combine(Home, LogFormat.FileName(1))));
        Assert.False(fs.Exists(Path.Combine(Home, LogFormat.FileName(1))));
    }

    [Fact]
    public void On_disk_a_new_log_file_is_written_in_full_not_sparse()
    {
        var home = Path.Combine(Path.GetTempPath(), "orep-prep-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        try
        {
            using (var preparer = new LogFilePreparer(OsFileSystem.Instance, home, FileSize, ahead: true))
            {
                preparer.PrepareAhead(1);
                preparer.Create(1, Path.Combine(home, LogFormat.FileName(1))).Dispose();
            }

            var info = new FileInfo(Path.Combine(home, LogFormat.FileName(1)));
            Assert.Equal(FileSize, info.Length);

            // Allocated blocks, not holes: `du` would show the full size. Checked through the block count stat(2) gives.
            Assert.True(AllocatedBytes(info.FullName) >= FileSize, $"only {AllocatedBytes(info.FullName)} bytes allocated");
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static long AllocatedBytes(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true };
        using var stat = System.Diagnostics.Process.Start(psi)!;
        var parts = stat.StandardOutput.ReadToEnd().Trim().Split(' ');
        stat.WaitForExit();
        return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
