using System.Text;
using OrleansRep.Storage;
using OrleansRep.Storage.Tools;

namespace OrleansRep.Cli.Load;

/// <summary>
/// The first pass of a load: reads the whole dump and rejects anything the load would trip over halfway (a format
/// error, a key or value over the environment's limits, a database name the engine refuses, sections with no target),
/// so that a bad dump changes nothing. Returns what each section will load.
/// </summary>
internal static class DumpCheck
{
    public static List<LoadSection> Run(DumpInput input, string? targetDatabase, StorageOptions limits, LoadProgress progress)
    {
        using var text = input.OpenReader();
        var reader = new DumpReader(text);
        var sections = new List<LoadSection>();
        do
        {
            var number = sections.Count + 1;
            var target = targetDatabase ?? reader.DatabaseName;
            if (target is null)
            {
                throw new UsageException($"{input.DisplayName}: section {number} names no database (no database= line); give --db NAME");
            }

            if (targetDatabase is not null && number > 1)
            {
                throw new UsageException(
                    $"{input.DisplayName} holds more than one database, but --db names a single target; omit --db to load each section into the database its header names");
            }

            CheckName(target, input.DisplayName, number);
            long pairs = 0, bytes = 0;
            while (reader.TryReadPair(out var key, out var value))
            {
                pairs++;
                bytes += key.Length + value.Length;
                if (key.Length > limits.MaxKeySize || value.Length > limits.MaxValueSize)
                {
                    var what = key.Length > limits.MaxKeySize
                        ? $"key of {key.Length} bytes exceeds max_key_size {limits.MaxKeySize}"
                        : $"value of {value.Length} bytes exceeds max_value_size {limits.MaxValueSize}";
                    throw new UsageException($"{input.DisplayName}: section {number}, pair {pairs}: {what}; nothing was loaded");
                }

                progress.Advance(1, key.Length + value.Length);
            }

            sections.Add(new LoadSection(number, target, pairs, bytes));
        }
        while (reader.TryReadNextDatabase());

        return sections;
    }

    /// <summary>The engine's rule for database names (WriteTransaction.ValidateName), checked before anything is written.</summary>
    private static void CheckName(string name, string input, int section)
    {
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > 255 || name.Any(char.IsControl))
        {
            throw new UsageException(
                $"{input}: section {section}: database name \"{name}\" must be 1-255 UTF-8 bytes without control characters");
        }
    }
}
