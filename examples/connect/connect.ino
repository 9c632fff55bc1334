// connect: lesson 1-4 (ESP8266 连接 MQTT 服务端). The tutorial's first sketch: the board joins
// Wi-Fi, connects to the MQTT server with the client id esp8266-<MAC> and then only keeps the
// connection alive (mqttClient.loop() sends a PINGREQ after 15 s without traffic).
//
// Against the lab: run `mqtt-lab --lan`, put the mqttServer line it prints in place of the one
// below, set ssid and password, upload, and open the serial monitor at 115200 baud.
// Without a board, `mqtt-lab nodemcu --pty --sketch connect` (or `new esp --sketch connect` inside
// the lab) runs the same program on a virtual NodeMCU.
//
// 连接服务端（第 1-4 课）：开发板连上 Wi-Fi，用 esp8266- 加 MAC 地址作客户端ID 连接 MQTT 服务端，
// 之后只靠 mqttClient.loop() 保持心跳（15 秒没有报文就发 PINGREQ）。在电脑上运行 `mqtt-lab --lan`，
// 把它打印的 mqttServer 那一行替换下面那一行，填好 Wi-Fi 名称和密码，上传，串口监视器设为 115200。
// 没有开发板：`mqtt-lab nodemcu --pty --sketch connect`（或在实验室里 `new esp --sketch connect`）
// 运行的是同一个程序。

#include <ESP8266WiFi.h>
#include <PubSubClient.h>

const char* ssid = "taichi-maker";        // your Wi-Fi 你的 Wi-Fi 名称
const char* password = "12345678";        // its password 密码
const char* mqttServer = "192.168.1.23";  // ← the line mqtt-lab --lan prints

WiFiClient wifiClient;
PubSubClient mqttClient(wifiClient);

void setup() {
  Serial.begin(115200);
  Serial.println();  // a clean line after the boot ROM's noise

  WiFi.mode(WIFI_STA);
  connectWifi();

  mqttClient.setServer(mqttServer, 1883);
  connectMQTTServer();
}

void loop() {
  if (mqttClient.connected()) {
    mqttClient.loop();  // keeps the heartbeat: PINGREQ after 15 s of silence
  } else {
    connectMQTTServer();
  }
}

void connectMQTTServer() {
  // The MAC address makes the id unique: two boards with one id would kick each other off.
  String clientId = "esp8266-" + WiFi.macAddress();

  if (mqttClient.connect(clientId.c_str())) {
    Serial.println("MQTT Server Connected.");
    Serial.println("Server Address: ");
    Serial.println(mqttServer);
    Serial.println("ClientId:");
    Serial.println(clientId);
  } else {
    Serial.print("MQTT Server Connect Failed. Client State:");
    Serial.println(mqttClient.state());  // -2 no TCP connection, 4 bad user name or password, 5 not authorized
    delay(5000);
  }
}

void connectWifi() {
  WiFi.begin(ssid, password);
  while (WiFi.status() != WL_CONNECTED) {
    delay(1000);
    Serial.print(".");
  }
  Serial.println("");
  Serial.println("WiFi Connected!");
  Serial.println("");
}
