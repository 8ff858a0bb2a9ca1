namespace OrleansRep.Runtime.Transport;

/// <summary>
/// The one format of a secret kept in a file (the cluster secret, a client's credential): the file's text, trimmed,
/// as UTF-8 bytes. Silos and clients read it the same way, so a file written for one opens the other.
/// </summary>
public static class SecretFile
{
    /// <summary>Reads the secret in <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">The file does not exist, or holds fewer than 16 bytes after trimming.</exception>
    public static byte[] Read(string path, string what = "the secret")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"{what}: the file '{Path.GetFullPath(path)}' does not exist");
        }

        return FromText(File.ReadAllText(path), what);
    }

    /// <summary>A secret given as text (an option or environment variable), in the same form as a file's.</summary>
    /// <exception cref="ArgumentException">Fewer than 16 bytes after trimming.</exception>
    public static byte[] FromText(string text, string what = "the secret")
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] secret = System.Text.Encoding.UTF8.GetBytes(text.Trim());
        return secret.Length >= HandshakeProtocol.MinSecretLength
            ? secret
            : throw new ArgumentException($"{what} must be at least {HandshakeProtocol.MinSecretLength} bytes (has {secret.Length})");
    }
}
