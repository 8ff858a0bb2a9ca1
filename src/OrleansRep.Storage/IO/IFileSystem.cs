namespace OrleansRep.Storage.IO;

/// <summary>The files and directories of an environment home. See <see cref="IStorageFile"/>.</summary>
public interface IFileSystem
{
    /// <summary>Opens a file for reading and writing, creating it when <paramref name="create"/> is set.</summary>
    IStorageFile Open(string path, bool create);

    bool Exists(string path);

    void Delete(string path);

    /// <summary>Renames a file, replacing any file at <paramref name="destination"/> (rename(2)). Durable once the directory is
    /// synced; open handles keep working on the file under its new name.</summary>
    void Rename(string source, string destination);

    void CreateDirectory(string path);

    /// <summary>Names (not paths) of the files in <paramref name="directory"/> that match <paramref name="pattern"/>.</summary>
    IReadOnlyList<string> List(string directory, string pattern);

    /// <summary>Makes a directory's entries (created or removed files) durable.</summary>
    void SyncDirectory(string directory);

    /// <summary>Takes an exclusive, process-wide lock on <paramref name="path"/>; throws <see cref="EnvironmentLockedException"/>
    /// (for <paramref name="home"/>) if another holder has it. Disposing releases it.</summary>
    IDisposable Lock(string path, string home);
}
