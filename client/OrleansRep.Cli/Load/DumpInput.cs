using System.Text;

namespace OrleansRep.Cli.Load;

/// <summary>
/// The dump a load reads, as a file it can read twice: once to check all of it, once to load it. A dump on stdin is
/// first copied to a temporary file (deleted on dispose), because a pipe cannot be rewound and loading must not start
/// before the whole dump is known to be good.
/// </summary>
internal sealed class DumpInput : IDisposable
{
    private readonly bool _temporary;

    private DumpInput(string path, bool temporary, string displayName)
    {
        Path = path;
        _temporary = temporary;
        DisplayName = displayName;
    }

    public string Path { get; }

    /// <summary>How messages name the input ("stdin" or the file given).</summary>
    public string DisplayName { get; }

    public long Length => new FileInfo(Path).Length;

    public static async Task<DumpInput> OpenAsync(string? file, CancellationToken cancellationToken)
    {
        if (file is not null and not "-")
        {
            if (!File.Exists(file))
            {
                throw new UsageException($"dump file {file} does not exist");
            }

            return new DumpInput(file, temporary: false, file);
        }

        var spool = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"orep-load-{Environment.ProcessId}-{Guid.NewGuid():N}.dump");
        try
        {
            var stdin = Console.OpenStandardInput();
            await using (stdin.ConfigureAwait(false))
            {
                var copy = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using (copy.ConfigureAwait(false))
                {
                    await stdin.CopyToAsync(copy, 1 << 16, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            File.Delete(spool);
            throw;
        }

        return new DumpInput(spool, temporary: true, "stdin");
    }

    /// <summary>A reader over the dump. Latin-1 maps each byte to one character, so a stray non-ASCII byte is reported
    /// as exactly that byte on its line instead of being merged into a replacement character.</summary>
    public TextReader OpenReader() =>
        new StreamReader(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), Encoding.Latin1, detectEncodingFromByteOrderMarks: false, 1 << 16);

    public void Dispose()
    {
        if (_temporary)
        {
            File.Delete(Path);
        }
    }
}
