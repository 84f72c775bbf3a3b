/** The tray icon (32×32 PNG, a key in the app's accent colour), embedded so no asset copying is needed. */
export const TRAY_ICON_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAAbklEQVR42mNgGAWjYBQMJWAace0/3S0khAfUcpo5ghTLqe4IciynmiNIMZgmjiDVQJo7gFZ6aOoAstMLucFJ1QQ77ByALk+XXEB1B5BaDlDkAGqUhBQ7gNp1AdllxIDWhoOiPTAoWkSjYBSMCAAAFV87/x4H3bcAAAAASUVORK5CYII=';
