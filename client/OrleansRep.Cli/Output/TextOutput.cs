using System.Text;

namespace OrleansRep.Cli.Output;

/// <summary>
/// Where a command writes its main output: stdout, or a file that only appears (replacing an older one) once the
/// command finished, so a failed dump never leaves a plausible-looking half file behind.
/// </summary>
internal sealed class TextOutput : IDisposable
{
    // ASCII in practice; UTF-8 without a byte-order mark so Berkeley DB's db_load does not see "\uFEFFVERSION".
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private readonly string? _finalPath;
    private readonly string? _partialPath;
    private bool _committed;

    private TextOutput(TextWriter writer, string? finalPath, string? partialPath)
    {
        Writer = writer;
        _finalPath = finalPath;
        _partialPath = partialPath;
    }

    public TextWriter Writer { get; }

    /// <summary>A buffered writer on stdout (Console.Out flushes every write, which is slow for big dumps).</summary>
    public static TextOutput StandardOutput() =>
        new(new StreamWriter(Console.OpenStandardOutput(), Utf8NoBom, 1 << 16) { AutoFlush = false }, null, null);

    /// <summary>Writes to a hidden file next to <paramref name="path"/>; <see cref="Commit"/> renames it into place.</summary>
    public static TextOutput File(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new UsageException($"cannot write {path}: directory {directory} does not exist");
        }

        var partial = Path.Combine(directory ?? ".", $".{Path.GetFileName(full)}.partial-{Environment.ProcessId}");
        var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        return new TextOutput(new StreamWriter(stream, Utf8NoBom, 1 << 16), full, partial);
    }

    public static TextOutput ForPath(string? path) => path is null or "-" ? StandardOutput() : File(path);

    /// <summary>Flushes everything and, for a file, moves it into place.</summary>
    public void Commit()
    {
        Writer.Flush();
        if (_finalPath is not null)
        {
            Writer.Dispose();
            System.IO.File.Move(_partialPath!, _finalPath, overwrite: true);
        }

        _committed = true;
    }

    public void Dispose()
    {
        if (_finalPath is null)
        {
            // stdout: whatever was written so far still goes out.
            try
            {
                Writer.Flush();
            }
            catch (IOException)
            {
                // The reader went away (a closed pipe); the error that got us here is the one to report.
            }

            return;
        }

        if (!_committed)
        {
            try
            {
                Writer.Dispose();
            }
            catch (IOException)
            {
                // Flushing the rest failed too (disk full?); the file is removed below either way.
            }

            System.IO.File.Delete(_partialPath!);
        }
    }
}
